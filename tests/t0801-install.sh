# t0801-install.sh: `make install` puts the two modules in place without
# their libtool .la files, and `make uninstall` removes everything again.
. "${TREC_SRCDIR:-.}/tests/lib.sh"

root="$T_DIR/root"
# The make running this test does not lend it its jobserver: the pipe
# MAKEFLAGS names may be closed here, or be another file by then.
unset MAKEFLAGS MFLAGS
check "make install into DESTDIR" make -C "$TREC_BUILDDIR" install DESTDIR="$root"
n_so=$(find "$root" -name '*tracerec.so' | wc -l)
[ "$n_so" -eq 2 ] && ok "both modules installed" || not_ok "both modules installed ($n_so)"
la=$(find "$root" -name '*.la')
[ -z "$la" ] && ok "no .la installed" || not_ok "no .la installed: $la"
check "make uninstall from DESTDIR" make -C "$TREC_BUILDDIR" uninstall DESTDIR="$root"
left=$(find "$root" -type f)
[ -z "$left" ] && ok "uninstall leaves no file" || not_ok "uninstall leaves: $left"
done_testing
