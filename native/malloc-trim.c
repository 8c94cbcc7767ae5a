// trim(): glibc's malloc_trim(0), which Node has no API for. After traffic glibc keeps freed malloc memory (V8's
// compiler zones) that sits below live chunks, where its automatic trim of the heap's top cannot return it;
// malloc_trim(0) gives back every free page. Built with the system C compiler by scripts/build-native.ts, loaded
// by src/malloc-trim.ts. On a libc without malloc_trim (musl) trim() does nothing and returns false.
#define NAPI_VERSION 8
#include <node_api.h>
#ifdef __GLIBC__
#include <malloc.h>
#endif

static napi_value trim(napi_env env, napi_callback_info info) {
  (void)info;
  int released = 0;
#ifdef __GLIBC__
  released = malloc_trim(0);
#endif
  napi_value result;
  if (napi_get_boolean(env, released != 0, &result) != napi_ok) return NULL;
  return result;
}

NAPI_MODULE_INIT() {
  napi_value fn;
  if (napi_create_function(env, "trim", NAPI_AUTO_LENGTH, trim, NULL, &fn) != napi_ok) return NULL;
  if (napi_set_named_property(env, exports, "trim", fn) != napi_ok) return NULL;
  return exports;
}
