"""Images that go out with a post: decoded, cleaned and fitted here, uploaded by each destination."""
