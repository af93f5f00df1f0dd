{
  'targets': [{
    'target_name': 'file_copy',
    'sources': ['file_copy.c'],
    'cflags': ['-O2', '-Wall', '-Wextra'],
  }],
}
