"""Shipped data: the sample month that `litecost demo` runs on. The wheel installs this
directory as `litecost._sample` (see litecost/resources.py); generate.py, the script that
made the month, rides along as a module but is the repository's tool, not litecost's."""
