"""Our JSON API: ``/predict`` and ``/explain`` requests (JSON instances, CSV, query rows) and their answers."""
