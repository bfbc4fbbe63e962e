"""The pieces of bench/load.py: the server it starts, the cases it runs, the one-statement
references it compares with, and the report it writes."""
