-- AccessTokenProvider: releases the fetch lock only if it is still this fetch's.
if redis.call('GET', lock) == value then return redis.call('DEL', lock) else return 0 end
