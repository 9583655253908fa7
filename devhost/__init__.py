"""A small local host that serves the project's FunctionApp over real HTTP without Core Tools."""
