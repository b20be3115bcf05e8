"""The pipeline's stages: corpus walk and identity, scan and resolution, the rescue
(settle, list, fetch, commit), live checks, repair of stored files, rewriting.

Stages print nothing: they return values and report problems through the caller.
"""
