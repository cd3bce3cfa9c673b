"""The kernel side: error capture, `%learnflow` magics, and the session that ties them to a client."""
