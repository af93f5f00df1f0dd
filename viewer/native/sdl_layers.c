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

/* createTexture(windowId, width, height, rgbaPixels) -> id. The pixels are copied to the renderer. */
static napi_value create_texture(napi_env env, napi_callback_info info) {
  size_t argc = 4;
  napi_value argv[4], result;
  int32_t window_id, width, height;
  void *data;
  size_t length;
  bool is_buffer = false;
  napi_get_cb_info(env, info, &argc, argv, NULL, NULL);
  if (argc < 4 || !get_int(env, argv[0], &window_id) || !get_int(env, argv[1], &width) || !get_int(env, argv[2], &height))
    return throw_type(env, "createTexture(windowId, width, height, pixels)");
  napi_is_buffer(env, argv[3], &is_buffer);
  if (!is_buffer) return throw_type(env, "createTexture: pixels must be a Buffer");
  napi_get_buffer_info(env, argv[3], &data, &length);
  if (width <= 0 || height <= 0 || length < (size_t)width * (size_t)height * 4)
    return throw_type(env, "createTexture: pixels must hold width*height RGBA pixels");
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
  if (SDL_UpdateTexture(texture, NULL, data, width * 4) < 0 || SDL_SetTextureScaleMode(texture, SDL_ScaleModeLinear) < 0) {
    SDL_DestroyTexture(texture);
    return fail(env, "SDL_UpdateTexture");
  }
  slots[id] = (Slot){ texture, renderer, (Uint32)window_id, width, height };
  napi_create_int32(env, id, &result);
  return result;
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

/*
 * present(windowId, layers): clears to black, then copies each layer in order,
 * { texture, alpha 0-255, blend: 0 none | 1 blend | 2 add, x, y, width, height },
 * and presents. Two layers added with alphas a and 255-a are the linear mix of
 * two photos, black where only one of them lies.
 */
static napi_value present(napi_env env, napi_callback_info info) {
  size_t argc = 2;
  napi_value argv[2], undefined;
  int32_t window_id;
  uint32_t count;
  bool is_array = false;
  napi_get_cb_info(env, info, &argc, argv, NULL, NULL);
  napi_get_undefined(env, &undefined);
  if (argc < 2 || !get_int(env, argv[0], &window_id)) return throw_type(env, "present(windowId, layers)");
  napi_is_array(env, argv[1], &is_array);
  if (!is_array) return throw_type(env, "present: layers must be an array");
  SDL_Renderer *renderer = renderer_of((Uint32)window_id);
  if (renderer == NULL) return fail(env, "SDL_GetRenderer");
  napi_get_array_length(env, argv[1], &count);
  if (SDL_SetRenderDrawColor(renderer, 0, 0, 0, 255) < 0 || SDL_RenderClear(renderer) < 0) return fail(env, "SDL_RenderClear");
  for (uint32_t i = 0; i < count; i++) {
    napi_value layer, texture_id;
    int32_t alpha, blend;
    SDL_Rect rect;
    napi_get_element(env, argv[1], i, &layer);
    if (napi_get_named_property(env, layer, "texture", &texture_id) != napi_ok) return throw_type(env, "present: a layer needs a texture");
    Slot *slot = slot_of(env, texture_id);
    if (slot == NULL) return NULL;
    if (!get_prop_int(env, layer, "alpha", &alpha) || !get_prop_int(env, layer, "blend", &blend) || !get_prop_int(env, layer, "x", &rect.x) ||
        !get_prop_int(env, layer, "y", &rect.y) || !get_prop_int(env, layer, "width", &rect.w) || !get_prop_int(env, layer, "height", &rect.h))
      return throw_type(env, "present: a layer needs alpha, blend, x, y, width, height");
    if (alpha < 0 || alpha > 255 || blend < 0 || blend > 2) return throw_type(env, "present: alpha is 0-255, blend 0-2");
    SDL_BlendMode mode = blend == 0 ? SDL_BLENDMODE_NONE : blend == 1 ? SDL_BLENDMODE_BLEND : SDL_BLENDMODE_ADD;
    if (SDL_SetTextureBlendMode(slot->texture, mode) < 0) return fail(env, "SDL_SetTextureBlendMode");
    if (SDL_SetTextureAlphaMod(slot->texture, (Uint8)alpha) < 0) return fail(env, "SDL_SetTextureAlphaMod");
    if (SDL_RenderCopy(renderer, slot->texture, NULL, &rect) < 0) return fail(env, "SDL_RenderCopy");
  }
  SDL_RenderPresent(renderer);
  return undefined;
}

NAPI_MODULE_INIT(/* napi_env env, napi_value exports */) {
  napi_property_descriptor properties[] = {
    { "rendererInfo", NULL, renderer_info, NULL, NULL, NULL, napi_writable | napi_configurable, NULL },
    { "createTexture", NULL, create_texture, NULL, NULL, NULL, napi_writable | napi_configurable, NULL },
    { "destroyTexture", NULL, destroy_texture, NULL, NULL, NULL, napi_writable | napi_configurable, NULL },
    { "present", NULL, present, NULL, NULL, NULL, napi_writable | napi_configurable, NULL },
  };
  napi_define_properties(env, exports, sizeof properties / sizeof properties[0], properties);
  return exports;
}
