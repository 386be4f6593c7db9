"""Tree ensembles without xgboost: objectives, decoding trees into node arrays, their layouts, and evaluation."""
