package io.github.dbfed.bench

import com.sun.jna.Library
import com.sun.jna.Native
import io.github.dbfed.AccessToken
import io.github.dbfed.Credential
import io.github.dbfed.UserExchanger
import kotlinx.coroutines.runBlocking

/** What the Java benchmarks cannot write themselves: loops of suspend calls, and `setenv`. */
object Loops {
    /** `n` calls of the suspend `credential.token()` in one coroutine; the last token. */
    @JvmStatic
    fun tokens(credential: Credential, n: Int): AccessToken = runBlocking {
        var token = credential.token()
        repeat(n - 1) { token = credential.token() }
        token
    }

    /** `n` calls of the suspend `users.tokenFor(jwt)` in one coroutine; the last token. */
    @JvmStatic
    fun tokensFor(users: UserExchanger, jwt: String, n: Int): AccessToken = runBlocking {
        var token = users.tokenFor(jwt)
        repeat(n - 1) { token = users.tokenFor(jwt) }
        token
    }

    private interface LibC : Library {
        fun setenv(name: String, value: String, overwrite: Int): Int
    }

    private val libc: LibC by lazy { Native.load("c", LibC::class.java) }

    /** Sets a variable of the process environment, where the native library reads it. */
    @JvmStatic
    fun setenv(name: String, value: String) {
        check(libc.setenv(name, value, 1) == 0) { "setenv $name failed" }
    }
}
