"""Defences that cut across every domain: security headers, CSRF on the HTML forms, rate limits.

`install(app)` is not used: create_app adds each middleware itself (see app.py), so their order
against the session middleware is visible where it matters."""
