"""The service's routes, one router per resource (see `affectkit.serving.app.create_app`)."""
