# The cold start's floor for Python: the bare interpreter, started to its first HTTP request on
# loopback (http.client, as Lamina's Python bootstrap uses). The bench holds the request, so the
# process then stays idle, which is the idle-memory floor too. `python3.X -u floor-start.py <port> <id>`.
import http.client
import sys

conn = http.client.HTTPConnection("127.0.0.1", int(sys.argv[1]))
conn.request("GET", "/start/" + sys.argv[2])
conn.getresponse().read()
