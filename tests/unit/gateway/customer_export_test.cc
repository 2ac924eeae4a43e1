// GET /v1/customers/{customer}:export through the gateway, over in-process
// fake backends (fake_backends.h). Tests join as the route is built.
