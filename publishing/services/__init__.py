"""Writes that matter in publishing: one function per use case.

* ``posts``: compose, edit, submit, approve, reject, return, reschedule (the workflow).
* ``delivery``: release an approved post into one delivery per channel and send each one.
* ``channels``: add channels, assign them to divisions and staff.
"""
