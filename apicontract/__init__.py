"""The API's published contract and what guards it: the committed OpenAPI document
(openapi/openapi.json), the breaking-change gate, and the clients generated from the document.
Developer tooling run by make (openapi, contract, clients, test); never deployed."""
