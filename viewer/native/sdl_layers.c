/*
 * Textures with alpha on the renderer of a window opened by @kmamal/sdl.
 *
 * Why: @kmamal/sdl 0.10.14 only draws a whole frame at a time (it uploads,
 * copies and frees a texture per call), and has no texture alpha. A crossfade
 * needs two textures kept on the GPU and blended by the renderer at each step.
 * Both addons link the same libSDL2 shared library, so this one finds the
 * window by the id @kmamal/sdl reports (SDL_GetWindowFromID) and draws with
 * the renderer it created (SDL_GetRenderer). Everything runs on the main
 * thread, where @kmamal/sdl runs SDL.
 *
 * Textures are named by small integers, never by pointers handed to
 * JavaScript: a texture the renderer has freed (its window closed) is then
 * refused instead of touched.
 */
#include <SDL.h>
#include <node_api.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_TEXTURES 16

typedef struct {
  SDL_Texture *texture;
  SDL_Renderer *renderer;
  Uint32 window_id;
  int width;
  int height;
} Slot;

static Slot slots[MAX_TEXTURES];

static napi_value fail(napi_env env, const char *what) {
  char message[512];
  snprintf(message, sizeof message, "%s: %s", what, SDL_GetError());
  SDL_ClearError();
  napi_throw_error(env, "ERR_SDL_LAYERS", message);
  return NULL;
}

static napi_value throw_type(napi_env env, const char *message) {
  napi_throw_type_error(env, "ERR_SDL_LAYERS_ARGUMENT", message);
  return NULL;
}

static int get_int(napi_env env, napi_value value, int32_t *out) {
  napi_valuetype type;
  if (napi_typeof(env, value, &type) != napi_ok || type != napi_number) return 0;
  return napi_get_value_int32(env, value, out) == napi_ok;
}

static int get_prop_int(napi_env env, napi_value object, const char *name, int32_t *out) {
  napi_value value;
  if (napi_get_named_property(env, object, name, &value) != napi_ok) return 0;
  return get_int(env, value, out);
}

static SDL_Renderer *renderer_of(Uint32 window_id) {
  SDL_Window *window = SDL_GetWindowFromID(window_id);
  return window ? SDL_GetRenderer(window) : NULL;
}

static Slot *slot_of(napi_env env, napi_value value) {
  int32_t id;
  if (!get_int(env, value, &id) || id < 0 || id >= MAX_TEXTURES || slots[id].texture == NULL) {
    throw_type(env, "not a live texture id");
    return NULL;
  }
  /* The window's renderer was replaced or the window closed: SDL freed the texture with it. */
  if (renderer_of(slots[id].window_id) != slots[id].renderer) {
    memset(&slots[id], 0, sizeof slots[id]);
    napi_throw_error(env, "ERR_SDL_LAYERS_LOST", "texture lost: its window or renderer is gone");
    return NULL;
  }
  return &slots[id];
}

/* rendererInfo(windowId) -> { name, accelerated, vsync, maxTextureWidth, maxTextureHeight } */
static napi_value renderer_info(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1], result, value;
  int32_t window_id;
  napi_get_cb_info(env, info, &argc, argv, NULL, NULL);
  if (argc < 1 || !get_int(env, argv[0], &window_id)) return throw_type(env, "rendererInfo(windowId)");
  SDL_Renderer *renderer = renderer_of((Uint32)window_id);
  if (renderer == NULL) return fail(env, "SDL_GetRenderer");
  SDL_RendererInfo ri;
  if (SDL_GetRendererInfo(renderer, &ri) < 0) return fail(env, "SDL_GetRendererInfo");
  napi_create_object(env, &result);
  napi_create_string_utf8(env, ri.name, NAPI_AUTO_LENGTH, &value);
  napi_set_named_property(env, result, "name", value);
  napi_get_boolean(env, (ri.flags & SDL_RENDERER_ACCELERATED) != 0, &value);
  napi_set_named_property(env, result, "accelerated", value);
  napi_get_boolean(env, (ri.flags & SDL_RENDERER_PRESENTVSYNC) != 0, &value);
  napi_set_named_property(env, result, "vsync", value);
  napi_create_int32(env, ri.max_texture_width, &value);
  napi_set_named_property(env, result, "maxTextureWidth", value);
  napi_create_int32(env, ri.max_texture_height, &value);
  napi_set_named_property(env, result, "maxTextureHeight", value);
  return result;
}

/*
 * createTexture(windowId, width, height[, rgbaPixels]) -> id. Given pixels are
 * copied to the renderer at once; without them the texture is made empty, to
 * be filled by updateTexture a band of rows at a time.
 */
static napi_value create_texture(napi_env env, napi_callback_info info) {
  size_t argc = 4;
  napi_value argv[4], result;
  int32_t window_id, width, height;
  void *data;
  size_t length;
  bool is_buffer = false;
  napi_get_cb_info(env, info, &argc, argv, NULL, NULL);
  if (argc < 3 || !get_int(env, argv[0], &window_id) || !get_int(env, argv[1], &width) || !get_int(env, argv[2], &height))
    return throw_type(env, "createTexture(windowId, width, height[, pixels])");
  if (width <= 0 || height <= 0) return throw_type(env, "createTexture: width and height must be positive");
  data = NULL;
  if (argc >= 4) {
    napi_valuetype type;
    napi_typeof(env, argv[3], &type);
    if (type != napi_undefined) {
      napi_is_buffer(env, argv[3], &is_buffer);
      if (!is_buffer) return throw_type(env, "createTexture: pixels must be a Buffer");
      napi_get_buffer_info(env, argv[3], &data, &length);
      if (length < (size_t)width * (size_t)height * 4) return throw_type(env, "createTexture: pixels must hold width*height RGBA pixels");
    }
  }
  int id = -1;
  for (int i = 0; i < MAX_TEXTURES; i++) {
    if (slots[i].texture != NULL && renderer_of(slots[i].window_id) != slots[i].renderer) memset(&slots[i], 0, sizeof slots[i]);
    if (id < 0 && slots[i].texture == NULL) id = i;
  }
  if (id < 0) return throw_type(env, "createTexture: too many textures held");
  SDL_Renderer *renderer = renderer_of((Uint32)window_id);
  if (renderer == NULL) return fail(env, "SDL_GetRenderer");
  SDL_Texture *texture = SDL_CreateTexture(renderer, SDL_PIXELFORMAT_RGBA32, SDL_TEXTUREACCESS_STATIC, width, height);
  if (texture == NULL) return fail(env, "SDL_CreateTexture");
  if ((data != NULL && SDL_UpdateTexture(texture, NULL, data, width * 4) < 0) || SDL_SetTextureScaleMode(texture, SDL_ScaleModeLinear) < 0) {
    SDL_DestroyTexture(texture);
    return fail(env, "SDL_UpdateTexture");
  }
  slots[id] = (Slot){ texture, renderer, (Uint32)window_id, width, height };
  napi_create_int32(env, id, &result);
  return result;
}

/*
 * updateTexture(id, y, rows, rgbaPixels): copies rows y .. y+rows-1 of a whole
 * frame's pixels (width*height RGBA, the same Buffer for every band) into the
 * texture. Why bands: an 8 MB upload in one call held the event loop for tens
 * of ms; a band at a time lets a fade's steps and etcd's events run between.
 */
static napi_value update_texture(napi_env env, napi_callback_info info) {
  size_t argc = 4;
  napi_value argv[4], undefined;
  int32_t y, rows;
  void *data;
  size_t length;
  bool is_buffer = false;
  napi_get_cb_info(env, info, &argc, argv, NULL, NULL);
  napi_get_undefined(env, &undefined);
  if (argc < 4 || !get_int(env, argv[1], &y) || !get_int(env, argv[2], &rows)) return throw_type(env, "updateTexture(id, y, rows, pixels)");
  Slot *slot = slot_of(env, argv[0]);
  if (slot == NULL) return NULL;
  napi_is_buffer(env, argv[3], &is_buffer);
  if (!is_buffer) return throw_type(env, "updateTexture: pixels must be a Buffer");
  napi_get_buffer_info(env, argv[3], &data, &length);
  if (y < 0 || rows <= 0 || y + rows > slot->height) return throw_type(env, "updateTexture: rows outside the texture");
  if (length < (size_t)slot->width * (size_t)slot->height * 4) return throw_type(env, "updateTexture: pixels must hold the whole frame, width*height RGBA");
  SDL_Rect band = { 0, y, slot->width, rows };
  if (SDL_UpdateTexture(slot->texture, &band, (Uint8 *)data + (size_t)y * slot->width * 4, slot->width * 4) < 0) return fail(env, "SDL_UpdateTexture");
  return undefined;
}

/* destroyTexture(id): frees it on the renderer; an id already lost is no error. */
static napi_value destroy_texture(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1], undefined;
  int32_t id;
  napi_get_cb_info(env, info, &argc, argv, NULL, NULL);
  napi_get_undefined(env, &undefined);
  if (argc < 1 || !get_int(env, argv[0], &id) || id < 0 || id >= MAX_TEXTURES) return throw_type(env, "destroyTexture(id)");
  if (slots[id].texture != NULL && renderer_of(slots[id].window_id) == slots[id].renderer) SDL_DestroyTexture(slots[id].texture);
  memset(&slots[id], 0, sizeof slots[id]);
  return undefined;
}

#define MAX_LAYERS 8

typedef struct {
  Slot *slot;
  int32_t alpha, blend, shade;
  SDL_Rect rect;
  bool clipped;
  SDL_Rect clip;
} Draw;

/*
 * present(windowId, layers): copies each layer in order,
 * { texture, alpha 0-255, blend: 0 none | 1 blend | 2 add, x, y, width, height,
 *   shade 0-255 (colour modulation, default 255), clip { x, y, width, height }
 *   (optional: only that part of the window is drawn) }, over black, and presents.
 * A crossfade is its outgoing photo shaded by 255-a with no blending, then the
 * incoming one added with alpha a: the linear mix of the two, black where only
 * one lies, for one blended full-screen copy per step. The clear to black is
 * left out when the first layer overwrites the whole window anyway. A clip
 * lets a fill stretched over the window be added only where its photo is not
 * (a blurred fill under a photo, faded in as one picture with it).
 */
static napi_value present(napi_env env, napi_callback_info info) {
  size_t argc = 2;
  napi_value argv[2], undefined;
  int32_t window_id;
  uint32_t count;
  bool is_array = false;
  Draw draws[MAX_LAYERS];
  napi_get_cb_info(env, info, &argc, argv, NULL, NULL);
  napi_get_undefined(env, &undefined);
  if (argc < 2 || !get_int(env, argv[0], &window_id)) return throw_type(env, "present(windowId, layers)");
  napi_is_array(env, argv[1], &is_array);
  if (!is_array) return throw_type(env, "present: layers must be an array");
  SDL_Renderer *renderer = renderer_of((Uint32)window_id);
  if (renderer == NULL) return fail(env, "SDL_GetRenderer");
  napi_get_array_length(env, argv[1], &count);
  if (count > MAX_LAYERS) return throw_type(env, "present: at most 8 layers");
  for (uint32_t i = 0; i < count; i++) {
    napi_value layer, texture_id, shade, clip;
    napi_valuetype shade_type, clip_type;
    Draw *d = &draws[i];
    napi_get_element(env, argv[1], i, &layer);
    if (napi_get_named_property(env, layer, "texture", &texture_id) != napi_ok) return throw_type(env, "present: a layer needs a texture");
    d->slot = slot_of(env, texture_id);
    if (d->slot == NULL) return NULL;
    if (!get_prop_int(env, layer, "alpha", &d->alpha) || !get_prop_int(env, layer, "blend", &d->blend) || !get_prop_int(env, layer, "x", &d->rect.x) ||
        !get_prop_int(env, layer, "y", &d->rect.y) || !get_prop_int(env, layer, "width", &d->rect.w) || !get_prop_int(env, layer, "height", &d->rect.h))
      return throw_type(env, "present: a layer needs alpha, blend, x, y, width, height");
    d->shade = 255;
    if (napi_get_named_property(env, layer, "shade", &shade) == napi_ok && napi_typeof(env, shade, &shade_type) == napi_ok && shade_type != napi_undefined &&
        !get_int(env, shade, &d->shade))
      return throw_type(env, "present: a layer's shade is a number");
    if (d->alpha < 0 || d->alpha > 255 || d->shade < 0 || d->shade > 255 || d->blend < 0 || d->blend > 2)
      return throw_type(env, "present: alpha and shade are 0-255, blend 0-2");
    d->clipped = false;
    if (napi_get_named_property(env, layer, "clip", &clip) == napi_ok && napi_typeof(env, clip, &clip_type) == napi_ok && clip_type != napi_undefined) {
      if (clip_type != napi_object || !get_prop_int(env, clip, "x", &d->clip.x) || !get_prop_int(env, clip, "y", &d->clip.y) ||
          !get_prop_int(env, clip, "width", &d->clip.w) || !get_prop_int(env, clip, "height", &d->clip.h) || d->clip.w <= 0 || d->clip.h <= 0)
        return throw_type(env, "present: a layer's clip is { x, y, width, height }, not empty");
      d->clipped = true;
    }
  }
  int out_w = 0, out_h = 0;
  if (SDL_GetRendererOutputSize(renderer, &out_w, &out_h) < 0) return fail(env, "SDL_GetRendererOutputSize");
  bool covered = count > 0 && draws[0].blend == 0 && !draws[0].clipped && draws[0].rect.x <= 0 && draws[0].rect.y <= 0 && draws[0].rect.x + draws[0].rect.w >= out_w &&
                 draws[0].rect.y + draws[0].rect.h >= out_h;
  if (!covered && (SDL_SetRenderDrawColor(renderer, 0, 0, 0, 255) < 0 || SDL_RenderClear(renderer) < 0)) return fail(env, "SDL_RenderClear");
  for (uint32_t i = 0; i < count; i++) {
    Draw *d = &draws[i];
    SDL_BlendMode mode = d->blend == 0 ? SDL_BLENDMODE_NONE : d->blend == 1 ? SDL_BLENDMODE_BLEND : SDL_BLENDMODE_ADD;
    if (SDL_SetTextureBlendMode(d->slot->texture, mode) < 0) return fail(env, "SDL_SetTextureBlendMode");
    if (SDL_SetTextureAlphaMod(d->slot->texture, (Uint8)d->alpha) < 0) return fail(env, "SDL_SetTextureAlphaMod");
    if (SDL_SetTextureColorMod(d->slot->texture, (Uint8)d->shade, (Uint8)d->shade, (Uint8)d->shade) < 0) return fail(env, "SDL_SetTextureColorMod");
    /* Drawn at its own size (a prepared frame is made for its rect), filtering changes nothing and costs a
       software rasteriser (llvmpipe) most of a copy; scaled, it is filtered linearly. */
    SDL_ScaleMode scale = d->rect.w == d->slot->width && d->rect.h == d->slot->height ? SDL_ScaleModeNearest : SDL_ScaleModeLinear;
    if (SDL_SetTextureScaleMode(d->slot->texture, scale) < 0) return fail(env, "SDL_SetTextureScaleMode");
    if (SDL_RenderSetClipRect(renderer, d->clipped ? &d->clip : NULL) < 0) return fail(env, "SDL_RenderSetClipRect");
    if (SDL_RenderCopy(renderer, d->slot->texture, NULL, &d->rect) < 0) {
      SDL_RenderSetClipRect(renderer, NULL);
      return fail(env, "SDL_RenderCopy");
    }
  }
  if (SDL_RenderSetClipRect(renderer, NULL) < 0) return fail(env, "SDL_RenderSetClipRect");
  SDL_RenderPresent(renderer);
  return undefined;
}

NAPI_MODULE_INIT(/* napi_env env, napi_value exports */) {
  napi_property_descriptor properties[] = {
    { "rendererInfo", NULL, renderer_info, NULL, NULL, NULL, napi_writable | napi_configurable, NULL },
    { "createTexture", NULL, create_texture, NULL, NULL, NULL, napi_writable | napi_configurable, NULL },
    { "updateTexture", NULL, update_texture, NULL, NULL, NULL, napi_writable | napi_configurable, NULL },
    { "destroyTexture", NULL, destroy_texture, NULL, NULL, NULL, napi_writable | napi_configurable, NULL },
    { "present", NULL, present, NULL, NULL, NULL, napi_writable | napi_configurable, NULL },
  };
  napi_define_properties(env, exports, sizeof properties / sizeof properties[0], properties);
  return exports;
}
