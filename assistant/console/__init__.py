"""The web console: a page the edge serves at ``/`` to see and talk to Jarvis from a browser.

``routes`` adds the page, its static files (``static/``, with a vendored Preact + htm, no build
step) and the JSON routes under ``/v1/console``; ``cloud_client`` reaches the cloud's console
routes with this edge's token, so the browser never talks to the cloud.
"""
