"""The verification oracle (R-23): monitored emissions to verified usage on chain.

Monitoring records (在线监测, hourly or daily, per outlet and pollutant) are parsed
(:mod:`.records`), validated and aggregated to period totals in kg (:mod:`.aggregate`); the
evidence is stored content-addressed (:mod:`.evidence`); the verifier signs each figure
(:mod:`.attestation`) and it is posted exactly once (:mod:`.poster`, :mod:`.store`).
:mod:`.service` ties these together for the CLI and the HTTP routes.
"""
