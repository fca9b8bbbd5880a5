#!/bin/sh
# forge-std for the Solidity tests (tests/solidity/*.t.sol), offline.
#
# `forge install` needs GitHub, and npm's `forge-std` 1.1.2 is an old
# unofficial copy whose Test.sol needs ds-test (not on npm). A current
# forge-std ships inside the npm tarball of @chainlink/contracts@1.5.0 under
# package/src/v0.8/vendor/forge-std/src/. We `npm pack` that tarball (no
# install: one of its dependencies is a GitHub URL), check its sha512 against
# the value pinned below, and extract only that folder to lib/forge-std/src
# (git-ignored). foundry.toml remaps `forge-std/=lib/forge-std/src/`.
set -eu
PACKAGE="@chainlink/contracts@1.5.0"
TARBALL="chainlink-contracts-1.5.0.tgz"
INTEGRITY="sha512-1fGJwjvivqAxvVOTqZUEXGR54CATtg0vjcXgSIk4Cfoad2nUhSG/qaWHXjLg1CkNTeOoteoxGQcpP/HiA5HsUA=="
INNER="package/src/v0.8/vendor/forge-std/src"

root=$(cd "$(dirname "$0")/.." && pwd)
dest="$root/lib/forge-std"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

"$root/tools/npm.sh" pack "$PACKAGE" --pack-destination "$work" --silent >/dev/null
if [ ! -f "$work/$TARBALL" ]; then
  echo "forge-std.sh: npm pack $PACKAGE did not produce $TARBALL; check the npm registry" >&2
  exit 1
fi
actual=$(python3 -c 'import base64,hashlib,sys; print("sha512-" + base64.b64encode(hashlib.sha512(open(sys.argv[1], "rb").read()).digest()).decode())' "$work/$TARBALL")
if [ "$actual" != "$INTEGRITY" ]; then
  echo "forge-std.sh: $TARBALL integrity is $actual, expected $INTEGRITY; refusing to use it" >&2
  exit 1
fi
tar -xzf "$work/$TARBALL" -C "$work" "$INNER"
rm -rf "$dest/src"
mkdir -p "$dest"
mv "$work/$INNER" "$dest/src"
echo "forge-std: $PACKAGE ($INTEGRITY) -> lib/forge-std/src"
