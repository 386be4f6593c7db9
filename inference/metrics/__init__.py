"""What every backend measures, written as CloudWatch embedded metric format (EMF) lines on stdout: ``names`` (what
the alarms and the dashboard read), ``emf`` (the one EMF document shape, and a line for capture and the monitor),
``window`` (requests counted into EMF documents), ``recorder`` (what an adapter calls once per answered request: the
Lambda writes what is due as it answers, the server every few seconds)."""
