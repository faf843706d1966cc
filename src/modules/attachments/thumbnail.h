// Image thumbnails with libvips (C API). The header is read first, so an image with too many
// pixels (a decompression bomb: a small file that decodes to gigabytes) is refused before any
// pixel is decoded; then vips_thumbnail_buffer shrinks on load, honours the EXIF orientation,
// and the result is saved as WebP without metadata (no EXIF, so no GPS position).
// Thread-safe after init_vips().
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "core/result.h"

namespace sl::attachments {

// Starts libvips once per process (later calls do nothing): no operation cache (it would key
// on our buffers' addresses), one worker thread per operation, untrusted loaders blocked.
Status init_vips();

struct Thumbnail {
  std::string webp;        // the thumbnail, image/webp
  int width = 0;           // of the thumbnail
  int height = 0;
  int image_width = 0;     // of the original, as displayed (after EXIF rotation)
  int image_height = 0;
};

// A thumbnail at most `box` pixels wide and high (never enlarged). image_too_large (413)
// when width × height exceeds max_pixels; image_unreadable (415) when libvips cannot decode it.
Result<Thumbnail> make_thumbnail(std::string_view image, int64_t max_pixels, int box = 320);

}  // namespace sl::attachments
