<?php
// Extra settings for the read-only test wiki (MW_TEST_ENV_READONLY).
//
// The wiki is read-only: every write module (edit, and on 1.39 even
// action=login; not action=logout, which only 1.43+ counts as a write)
// fails with the API error `readonly`. To test what a logged-in
// client meets when a wiki goes read-only, a test may create the file
// `writable.flag` in the wiki's directory (MW_WIKI_DIR) to log in first,
// then remove it.
if ( !file_exists( __DIR__ . '/writable.flag' ) ) {
	$wgReadOnly = 'mw-transport tests: read-only mode';
}
