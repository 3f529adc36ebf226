"""The WebSocket every edge keeps open: the socket, its handlers, the held links, LISTEN/NOTIFY."""
