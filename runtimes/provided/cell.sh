#!/bin/sh
# Prewarmed ("cell") start of a custom runtime: the sandbox exists before the function is known.
# Lamina writes a shell script to stdin that exports the function's environment and execs its
# bootstrap; it closes stdin when done.
eval "$(cat)"
