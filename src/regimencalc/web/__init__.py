"""The local web page and the REST API (`regimencalc serve`, extra `regimencalc[web]`).

What belongs here: the ASGI application (FastAPI, templates, static files), reading a form or a
JSON request into the inputs the command line takes, the security guard (loopback Host, body
size limit, headers, CSRF) and starting the server. The page and the API call the loader, the
planner (`plan_typed`, as the CLI does) and the renderers; nothing here computes a dose, and
nothing is stored: each request is planned from what it carries and forgotten.

May import: `render`, `planner`, `protocol` (loader and models), `replan.observations`,
`safety` (models and keys), `dosing.bsa` and `dosing.timing` (names and options only) and the base
modules; never `cli`. FastAPI, Jinja2 and uvicorn are imported only here, so the rest of the
package runs without the extra.
"""
