"""JSON API blueprints, one module each; every module defining ``blueprint`` is registered under /api/v1
(or at its own ``url_prefix``)."""
