#!/bin/sh
# fake-r-job: a stand-in for `R CMD INSTALL/build/check` in the scheduler tests
# (it is not R). It appends "start <id>" and "end <id>" to a trace file, can
# create a file (touch) and wait for one (at most 60 s), and exits with the
# given code.
# Usage: fake-r-job.sh TRACE ID [EXIT_CODE] [WAIT_FOR_FILE] [TOUCH_FILE]
trace=$1
id=$2
code=${3:-0}
wait_for=${4:-}
touch_file=${5:-}
echo "start $id" >> "$trace"
if [ -n "$touch_file" ]; then : > "$touch_file"; fi
if [ -n "$wait_for" ]; then
  i=0
  while [ ! -e "$wait_for" ] && [ $i -lt 1200 ]; do sleep 0.05; i=$((i + 1)); done
  if [ ! -e "$wait_for" ]; then code=99; fi
fi
echo "end $id" >> "$trace"
exit "$code"
