"""Wire: HTTP server, auth headers, tagged-JSON codec, fault injection."""
