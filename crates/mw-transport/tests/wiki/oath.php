<?php
// Extra settings for the two-factor test wiki (MW_TEST_ENV_OATH).
//
// OATHAuth (TOTP, RFC 6238: 6 digits, 30 s periods, a window radius of 4
// periods either side) from the Debian package. oath-setup.sh creates its
// table (update.php) and enrolls the main account MW_OATH_USER with the
// key MW_OATH_SECRET (base32) and one recovery code MW_OATH_RECOVERY,
// straight in the table (no web form). A code is accepted once: a later
// login needs a later 30-second window (OATHAuth refuses replays), which
// the tests' code helper takes care of.
wfLoadExtension( 'OATHAuth' );
// The replay guard and the badoath limiter live in the object stash: keep
// them in the database so that every php -S worker sees the same one.
$wgMainCacheType = CACHE_DB;
