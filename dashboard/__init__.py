"""CivicWatch web: the Dash pages (wall, desktop, unit tasks, public report form) and the JSON API."""
