/* libarchive.so.13, loaded on first use: linking it would cost every clan
 * command its start-up (dozens of libraries mapped and relocated), and only
 * image pulls and extraction need it. Include this instead of the
 * library's own header; the names below then call through the table. */
#ifndef CLAN_DL_ARCHIVE_H
#define CLAN_DL_ARCHIVE_H

#include <archive.h>
#include <archive_entry.h>

#define DL_ARCHIVE_FUNCS(X)                      \
	X(archive_entry_atime)                   \
	X(archive_entry_atime_is_set)            \
	X(archive_entry_atime_nsec)              \
	X(archive_entry_filetype)                \
	X(archive_entry_free)                    \
	X(archive_entry_gid)                     \
	X(archive_entry_hardlink)                \
	X(archive_entry_hardlink_utf8)           \
	X(archive_entry_mtime)                   \
	X(archive_entry_mtime_is_set)            \
	X(archive_entry_mtime_nsec)              \
	X(archive_entry_new)                     \
	X(archive_entry_pathname)                \
	X(archive_entry_pathname_utf8)           \
	X(archive_entry_perm)                    \
	X(archive_entry_rdev)                    \
	X(archive_entry_set_filetype)            \
	X(archive_entry_set_gid)                 \
	X(archive_entry_set_hardlink)            \
	X(archive_entry_set_mtime)               \
	X(archive_entry_set_pathname)            \
	X(archive_entry_set_perm)                \
	X(archive_entry_set_size)                \
	X(archive_entry_set_symlink)             \
	X(archive_entry_set_uid)                 \
	X(archive_entry_size)                    \
	X(archive_entry_size_is_set)             \
	X(archive_entry_symlink)                 \
	X(archive_entry_symlink_utf8)            \
	X(archive_entry_uid)                     \
	X(archive_entry_xattr_next)              \
	X(archive_entry_xattr_reset)             \
	X(archive_errno)                         \
	X(archive_error_string)                  \
	X(archive_filter_code)                   \
	X(archive_read_data)                     \
	X(archive_read_data_block)               \
	X(archive_read_free)                     \
	X(archive_read_new)                      \
	X(archive_read_next_header)              \
	X(archive_read_open)                     \
	X(archive_read_open_fd)                  \
	X(archive_read_open_filename)            \
	X(archive_read_support_filter_bzip2)     \
	X(archive_read_support_filter_gzip)      \
	X(archive_read_support_filter_xz)        \
	X(archive_read_support_filter_zstd)      \
	X(archive_read_support_format_raw)       \
	X(archive_read_support_format_tar)       \
	X(archive_set_error)                     \
	X(archive_write_close)                   \
	X(archive_write_data)                    \
	X(archive_write_free)                    \
	X(archive_write_header)                  \
	X(archive_write_new)                     \
	X(archive_write_open_fd)                 \
	X(archive_write_set_bytes_in_last_block) \
	X(archive_write_set_format_pax_restricted)

#include "base/dl.h"

#define DL_MEMBER(f) __typeof__(&f) f;
struct dl_archive {
	DL_ARCHIVE_FUNCS(DL_MEMBER)
};
#undef DL_MEMBER

/* The table, loaded: an entry point asks dl_need(DL_ARCHIVE, err) first and
 * returns the error (the package to install) up; see base/dl.h. */
const struct dl_archive *dl_archive(void);

#ifndef DL_NO_MACROS
#undef archive_entry_atime
#define archive_entry_atime (dl_archive()->archive_entry_atime)
#undef archive_entry_atime_is_set
#define archive_entry_atime_is_set (dl_archive()->archive_entry_atime_is_set)
#undef archive_entry_atime_nsec
#define archive_entry_atime_nsec (dl_archive()->archive_entry_atime_nsec)
#undef archive_entry_filetype
#define archive_entry_filetype (dl_archive()->archive_entry_filetype)
#undef archive_entry_gid
#define archive_entry_gid (dl_archive()->archive_entry_gid)
#undef archive_entry_hardlink
#define archive_entry_hardlink (dl_archive()->archive_entry_hardlink)
#undef archive_entry_hardlink_utf8
#define archive_entry_hardlink_utf8 (dl_archive()->archive_entry_hardlink_utf8)
#undef archive_entry_mtime
#define archive_entry_mtime (dl_archive()->archive_entry_mtime)
#undef archive_entry_mtime_is_set
#define archive_entry_mtime_is_set (dl_archive()->archive_entry_mtime_is_set)
#undef archive_entry_mtime_nsec
#define archive_entry_mtime_nsec (dl_archive()->archive_entry_mtime_nsec)
#undef archive_entry_pathname
#define archive_entry_pathname (dl_archive()->archive_entry_pathname)
#undef archive_entry_pathname_utf8
#define archive_entry_pathname_utf8 (dl_archive()->archive_entry_pathname_utf8)
#undef archive_entry_perm
#define archive_entry_perm (dl_archive()->archive_entry_perm)
#undef archive_entry_rdev
#define archive_entry_rdev (dl_archive()->archive_entry_rdev)
#undef archive_entry_size
#define archive_entry_size (dl_archive()->archive_entry_size)
#undef archive_entry_symlink
#define archive_entry_symlink (dl_archive()->archive_entry_symlink)
#undef archive_entry_symlink_utf8
#define archive_entry_symlink_utf8 (dl_archive()->archive_entry_symlink_utf8)
#undef archive_entry_uid
#define archive_entry_uid (dl_archive()->archive_entry_uid)
#undef archive_entry_xattr_next
#define archive_entry_xattr_next (dl_archive()->archive_entry_xattr_next)
#undef archive_entry_xattr_reset
#define archive_entry_xattr_reset (dl_archive()->archive_entry_xattr_reset)
#undef archive_errno
#define archive_errno (dl_archive()->archive_errno)
#undef archive_error_string
#define archive_error_string (dl_archive()->archive_error_string)
#undef archive_read_data
#define archive_read_data (dl_archive()->archive_read_data)
#undef archive_read_data_block
#define archive_read_data_block (dl_archive()->archive_read_data_block)
#undef archive_read_free
#define archive_read_free (dl_archive()->archive_read_free)
#undef archive_read_new
#define archive_read_new (dl_archive()->archive_read_new)
#undef archive_read_next_header
#define archive_read_next_header (dl_archive()->archive_read_next_header)
#undef archive_read_open
#define archive_read_open (dl_archive()->archive_read_open)
#undef archive_read_open_fd
#define archive_read_open_fd (dl_archive()->archive_read_open_fd)
#undef archive_read_open_filename
#define archive_read_open_filename (dl_archive()->archive_read_open_filename)
#undef archive_read_support_filter_gzip
#define archive_read_support_filter_gzip (dl_archive()->archive_read_support_filter_gzip)
#undef archive_read_support_filter_bzip2
#define archive_read_support_filter_bzip2 (dl_archive()->archive_read_support_filter_bzip2)
#undef archive_read_support_filter_xz
#define archive_read_support_filter_xz (dl_archive()->archive_read_support_filter_xz)
#undef archive_read_support_filter_zstd
#define archive_read_support_filter_zstd (dl_archive()->archive_read_support_filter_zstd)
#undef archive_read_support_format_raw
#define archive_read_support_format_raw (dl_archive()->archive_read_support_format_raw)
#undef archive_read_support_format_tar
#define archive_read_support_format_tar (dl_archive()->archive_read_support_format_tar)
#undef archive_set_error
#define archive_set_error (dl_archive()->archive_set_error)
#undef archive_entry_free
#define archive_entry_free (dl_archive()->archive_entry_free)
#undef archive_entry_new
#define archive_entry_new (dl_archive()->archive_entry_new)
#undef archive_entry_set_filetype
#define archive_entry_set_filetype (dl_archive()->archive_entry_set_filetype)
#undef archive_entry_set_gid
#define archive_entry_set_gid (dl_archive()->archive_entry_set_gid)
#undef archive_entry_set_hardlink
#define archive_entry_set_hardlink (dl_archive()->archive_entry_set_hardlink)
#undef archive_entry_set_mtime
#define archive_entry_set_mtime (dl_archive()->archive_entry_set_mtime)
#undef archive_entry_set_pathname
#define archive_entry_set_pathname (dl_archive()->archive_entry_set_pathname)
#undef archive_entry_set_perm
#define archive_entry_set_perm (dl_archive()->archive_entry_set_perm)
#undef archive_entry_set_size
#define archive_entry_set_size (dl_archive()->archive_entry_set_size)
#undef archive_entry_set_symlink
#define archive_entry_set_symlink (dl_archive()->archive_entry_set_symlink)
#undef archive_entry_set_uid
#define archive_entry_set_uid (dl_archive()->archive_entry_set_uid)
#undef archive_entry_size_is_set
#define archive_entry_size_is_set (dl_archive()->archive_entry_size_is_set)
#undef archive_filter_code
#define archive_filter_code (dl_archive()->archive_filter_code)
#undef archive_write_close
#define archive_write_close (dl_archive()->archive_write_close)
#undef archive_write_data
#define archive_write_data (dl_archive()->archive_write_data)
#undef archive_write_free
#define archive_write_free (dl_archive()->archive_write_free)
#undef archive_write_header
#define archive_write_header (dl_archive()->archive_write_header)
#undef archive_write_new
#define archive_write_new (dl_archive()->archive_write_new)
#undef archive_write_open_fd
#define archive_write_open_fd (dl_archive()->archive_write_open_fd)
#undef archive_write_set_bytes_in_last_block
#define archive_write_set_bytes_in_last_block (dl_archive()->archive_write_set_bytes_in_last_block)
#undef archive_write_set_format_pax_restricted
#define archive_write_set_format_pax_restricted \
	(dl_archive()->archive_write_set_format_pax_restricted)
#endif

#endif
