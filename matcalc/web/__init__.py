"""The local web page (`matcalc serve`): a page, its JSON API and the server that runs both.

`api.py` turns a request into the command line's JSON (plus MathML and generated code for the
page); `mathml.py` converts LaTeX to MathML; `worker.py` runs derivations in worker processes
under a time budget; `server.py` serves the page and the API on 127.0.0.1. The page itself
(`static/`) is one HTML file, one stylesheet and one small script, with no framework.
"""
