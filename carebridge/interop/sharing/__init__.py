"""Consented share links modelled on SMART Health Links: a patient gives a home doctor read access to the IPS."""
