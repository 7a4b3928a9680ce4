"""Pure Block Kit: builders (draft, modals, publications, digest, reports, grounding), action ids,
word diffs, escaping and every sentence a person reads. Functions from values to blocks; may
import parsing/ and storage/ types, never do I/O.
"""
