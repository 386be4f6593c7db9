"""Exact TreeSHAP explanations with NumPy only (``inference.explain.shap.TreeExplainer``)."""
