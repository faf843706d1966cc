// Thumbnails with libvips: see thumbnail.h.
#include "modules/attachments/thumbnail.h"

#include <spdlog/spdlog.h>
#include <vips/vips.h>

#include <mutex>

namespace sl::attachments {
namespace {

// Drops a GObject reference when it goes out of scope.
struct Unref {
  void* obj = nullptr;
  ~Unref() {
    if (obj) g_object_unref(obj);
  }
};

Error unreadable() {
  return Error{Code::kUnsupportedMedia, "image_unreadable", "图片已损坏或无法读取", {}};
}

}  // namespace

Status init_vips() {
  static std::once_flag once;
  static bool ok = false;
  std::call_once(once, [] {
    if (VIPS_INIT("shangliang") != 0) {
      spdlog::error("libvips failed to start: {}", vips_error_buffer());
      vips_error_clear();
      return;
    }
    // libvips reports damaged images as GLib warnings on stderr: keep them in our log instead.
    g_log_set_handler("VIPS", static_cast<GLogLevelFlags>(G_LOG_LEVEL_WARNING | G_LOG_LEVEL_MESSAGE | G_LOG_LEVEL_INFO),
                      [](const gchar*, GLogLevelFlags, const gchar* message, gpointer) {
                        spdlog::debug("libvips: {}", message ? message : "");
                      },
                      nullptr);
    vips_cache_set_max(0);
    vips_cache_set_max_mem(0);
    vips_concurrency_set(1);
    vips_block_untrusted_set(TRUE);
    ok = true;
  });
  if (!ok) return Error::Internal("图片处理组件 libvips 无法启动");
  return Ok();
}

Result<Thumbnail> make_thumbnail(std::string_view image, int64_t max_pixels, int box) {
  SL_TRY(init_vips());
  // The header alone: no pixels are decoded here.
  Unref header;
  VipsImage* h = vips_image_new_from_buffer(image.data(), image.size(), "", "access", VIPS_ACCESS_SEQUENTIAL, nullptr);
  if (!h) {
    vips_error_clear();
    return unreadable();
  }
  header.obj = h;
  int64_t w = vips_image_get_width(h), ht = vips_image_get_height(h);
  if (w <= 0 || ht <= 0) return unreadable();
  if (w * ht > max_pixels) {
    return Error{Code::kPayloadTooLarge, "image_too_large",
                 "图片像素过多（" + std::to_string(w) + " × " + std::to_string(ht) + "），上限为 " +
                     std::to_string(max_pixels / 1000000) + " 百万像素",
                 {}};
  }
  int orientation = vips_image_get_orientation(h);
  bool swapped = orientation >= 5 && orientation <= 8;

  Unref thumb;
  VipsImage* t = nullptr;
  if (vips_thumbnail_buffer(const_cast<char*>(image.data()), image.size(), &t, box, "height", box, "size",
                            VIPS_SIZE_DOWN, nullptr) != 0) {
    spdlog::info("thumbnail failed: {}", vips_error_buffer());
    vips_error_clear();
    return unreadable();
  }
  thumb.obj = t;
  void* buf = nullptr;
  size_t len = 0;
  if (vips_webpsave_buffer(t, &buf, &len, "Q", 75, "strip", TRUE, nullptr) != 0) {
    spdlog::warn("thumbnail encoding failed: {}", vips_error_buffer());
    vips_error_clear();
    return Error::Internal("无法生成缩略图");
  }
  Thumbnail out;
  out.webp.assign(static_cast<const char*>(buf), len);
  g_free(buf);
  out.width = vips_image_get_width(t);
  out.height = vips_image_get_height(t);
  out.image_width = static_cast<int>(swapped ? ht : w);
  out.image_height = static_cast<int>(swapped ? w : ht);
  return out;
}

}  // namespace sl::attachments
