"""The API's edge: what every request passes before a route sees it.

Outermost first: request metrics and the request log, then authentication and
rate limits, then the body size cap. Each is a plain ASGI middleware, so a
refused request is answered without the body ever being read.
"""
