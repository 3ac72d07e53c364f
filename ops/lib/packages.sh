# Sourced by ops/lib/services.sh. The NuGet cache (~/.nuget/packages) keys a package by id and version only. A machine
# that once restored a different package under the same id and version (our former Patched.DistributedLock.* shims did
# exactly that) keeps serving it from the cache. Every project's packages.lock.json records each package's content
# hash; restore then refuses a cached package whose hash differs (NU1403). This check goes one step further and
# removes just those cache folders first, so the restore that follows downloads the real package.

# The global packages folder: NUGET_PACKAGES when set, else what the SDK reports.
nuget_cache_dir() {
  if [ -n "${NUGET_PACKAGES:-}" ]; then echo "$NUGET_PACKAGES"; return; fi
  dotnet nuget locals global-packages --list | sed -n 's/^global-packages: //p' | sed 's:/*$::'
}

# Prints "id version contentHash" for every package of every lock file in the repository.
locked_packages() {
  find "$repo_root" \( -name .git -o -name .tools -o -name .data -o -name bin -o -name obj -o -name node_modules \) -prune \
    -o -name packages.lock.json -print0 | xargs -0 -r awk '
      /^ *"[^"]+": \{ *$/ { split($0, parts, "\""); name = parts[2]; version = "" }
      /^ *"resolved": "/ { split($0, parts, "\""); version = parts[4] }
      /^ *"contentHash": "/ { split($0, parts, "\""); if (version != "") print name, version, parts[4] }' | sort -u
}

# Removes every cached package whose content hash disagrees with the lock files. Missing packages are left to restore.
repair_package_cache() {
  local cache id version hash folder recorded
  cache=$(nuget_cache_dir)
  [ -n "$cache" ] && [ -d "$cache" ] || return 0
  while read -r id version hash; do
    id=${id,,}; version=${version,,}
    folder="$cache/$id/$version"
    # The lock file's contentHash is the one in .nupkg.metadata (for a signed package it is not the .nupkg.sha512,
    # which hashes the signed file). Without that file NuGet treats the folder as not installed anyway.
    [ -f "$folder/.nupkg.metadata" ] || continue
    recorded=$(sed -n 's/^ *"contentHash": "\([^"]*\)".*/\1/p' "$folder/.nupkg.metadata")
    if [ "$recorded" != "$hash" ]; then
      log "NuGet cache: $id $version differs from the lock file's content hash; removing $folder so restore fetches the real package"
      rm -rf "$folder"
    fi
  done < <(locked_packages)
  return 0
}
