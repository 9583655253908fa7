"""HTTP functions, one per resource verb, grouped in Blueprints registered by function_app.py."""
