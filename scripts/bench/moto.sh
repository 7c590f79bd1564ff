# Sourced by the benchmark scripts: installs moto into .venv if needed, starts a moto server on a free port
# of 127.0.0.1, stops it when the script exits, and sets `endpoint` once it answers.
if ! .venv/bin/python -c 'import moto.server, boto3' 2>/dev/null; then
  python3 -m venv .venv
  .venv/bin/pip install --quiet --disable-pip-version-check 'moto[server]>=5.2,<5.3'
fi
port=$(.venv/bin/python -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
MOTO_EC2_LOAD_DEFAULT_AMIS=false .venv/bin/moto_server -H 127.0.0.1 -p "$port" >/dev/null 2>&1 &
moto=$!
trap 'kill $moto 2>/dev/null || true' EXIT
endpoint="http://127.0.0.1:$port"
until .venv/bin/python -c "import urllib.request; urllib.request.urlopen('$endpoint/moto-api/')" 2>/dev/null; do sleep 0.2; done
