-- Line 2 reads a name no property or constant binds.
return redis.call('GET', nowhere)
