"""One router per API area; ``api.app.create_app`` includes them."""
