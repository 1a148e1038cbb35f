<?php
// Extra settings for the account-creation throttle test wiki
// (MW_TEST_ENV_THROTTLE): at most 2 accounts a day from one address
// ($wgAccountCreationThrottle; the test settings leave it at MediaWiki's
// default, which a test run could also hit). A third creation from
// 127.0.0.1 fails with the message acct_creation_throttle_hit.
$wgAccountCreationThrottle = [ [ 'count' => 2, 'seconds' => 86400 ] ];
// The throttle counts in the object cache, which is none by default on
// this sqlite wiki (so no throttle at all): keep it in the database.
$wgMainCacheType = CACHE_DB;
