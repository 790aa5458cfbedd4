"""``feeder serve``: the small public web service readers use to join and leave the list.

:mod:`~feeder.serve.app` holds the routes (Starlette), :mod:`~feeder.serve.actions` what
each of them does to the subscriber store, :mod:`~feeder.serve.writer` the one-click
unsubscribes written in groups, :mod:`~feeder.serve.pages` the pages,
:mod:`~feeder.serve.confirmation` the confirmation email, :mod:`~feeder.serve.limits` the
per-IP rate limit and the client's address, :mod:`~feeder.serve.server` the HTTP server
(uvicorn) on a socket bound before it starts, and :mod:`~feeder.serve.service` puts them
together for the command.
"""
