"""The cloud's HTTP routes: devices and settings, missions, the console, plain-HTTP requests."""
