<?php
// Extra settings for the short-session test wiki (MW_TEST_ENV_SHORTSESSION):
// the server forgets a session after 3 idle seconds, so a client must log in again.
$wgObjectCacheSessionExpiry = 3;
