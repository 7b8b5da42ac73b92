"""Clients of the Dermaga API: the typed client generated from schema.graphql."""
