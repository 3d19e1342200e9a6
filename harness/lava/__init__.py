"""Board farms through LAVA: the job a LAVA server would run for a scenario
(job.py), the device dictionary rendered from LAVA's own device-type
templates (device.py), the one-line cases a farm reads (cases.py),
lava-run as a subprocess (dispatcher.py), and LAVA's logs read back
(log.py) and judged (check.py). zvm-hil grows no scheduler of its own."""
