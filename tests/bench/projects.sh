# Compose projects for the engine benchmarks, sourced by engine.sh and soak.sh.
#
# generate KIND N: a compose file of N busybox services sleeping, on stdout. KIND is `flat`
# (no dependencies) or `layered` (layers of ten, each service depending on every service of
# the layer before).
generate() {
  local kind=$1 n=$2 i l deps
  echo "services:"
  for ((i = 0; i < n; i++)); do
    echo "  s$i:"
    echo "    image: busybox:latest"
    echo "    init: true"
    echo "    command: [\"sleep\", \"3600\"]"
    if [ "$kind" = layered ] && [ "$i" -ge 10 ]; then
      l=$(((i / 10) - 1))
      echo "    depends_on:"
      for ((deps = l * 10; deps < l * 10 + 10; deps++)); do echo "      - s$deps"; done
    fi
  done
}
