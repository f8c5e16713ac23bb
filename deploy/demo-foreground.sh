#!/usr/bin/env bash
# Runs the demo's processes (the command given, honcho) until Ctrl-C, and ends with status 0 then.
#
# Ctrl-C is how the demo stops, but a terminal sends it to the whole foreground process group, make
# included: make then reported honcho's exit (130) as "Error 130" and died of the signal itself.
# With job control on, the command runs in its own process group and has the terminal's foreground,
# so Ctrl-C reaches only it; make sees this script end normally.
set -m
"$@"
status=$?
[ "$status" -eq 0 ] || [ "$status" -eq 130 ]
