"""A registered version as a package, and the HTTP server that serves it.

`package` gathers a version's files from the DVC cache (by the version's dvc.lock) with its
metadata, model card and evidence into one folder; `model` loads it, as the evaluation
loads a model (skops, trusting scikit-learn's, numpy's and scipy's types); `server` answers
`/health` and `/predict` over HTTP.
"""
