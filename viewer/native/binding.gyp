{
  'targets': [{
    'target_name': 'sdl_layers',
    'sources': ['sdl_layers.c'],
    'cflags': ['-D_REENTRANT', '-O2', '-Wall', '-Wextra'],
    'include_dirs': ['$(SDL_INC)'],
    'libraries': ['-L$(SDL_LIB)', '-lSDL2'],
  }],
}
